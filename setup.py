"""Build script: the package plus every Cython module under snapassist/."""
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

HERE = Path(__file__).parent


def _extensions():
    # Strict IEEE arithmetic: the OPTICS kernel must reproduce scikit-learn to
    # the bit, so no fast-math and no fused multiply-add contraction.
    flags = ["-O2", "-fno-fast-math", "-ffp-contract=off"]
    modules = []
    for pyx in sorted((HERE / "snapassist").rglob("*.pyx")):
        rel = pyx.relative_to(HERE).with_suffix("")
        modules.append(
            Extension(
                ".".join(rel.parts),
                [str(pyx.relative_to(HERE))],
                include_dirs=[numpy.get_include()],
                extra_compile_args=flags,
                define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            )
        )
    return cythonize(
        modules,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    )


def _requirements():
    lines = (HERE / "requirements.txt").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


TEST_REQUIRES = ["pytest>=8", "playwright>=1.40"]
# The documentation (docs/, built by CI with warnings as errors); the
# default theme, so nothing beyond Sphinx itself.
DOCS_REQUIRES = ["sphinx==9.0.4"]

setup(
    name="snapassist",
    version="0.1.0",
    description="Find where to stand to photograph something in a city, "
                "from geotagged Flickr photos clustered with OPTICS.",
    long_description=(HERE / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    python_requires=">=3.11",
    packages=find_packages(include=["snapassist", "snapassist.*"]),
    package_data={"snapassist.web": ["templates/*.html", "static/*"]},
    include_package_data=True,
    ext_modules=_extensions(),
    install_requires=_requirements(),
    extras_require={"test": TEST_REQUIRES, "docs": DOCS_REQUIRES},
    entry_points={
        "console_scripts": [
            "snapassist=snapassist.cli:main",
            "snapassist-preprocess=snapassist.cli.data:preprocess",
        ],
    },
    zip_safe=False,
)
