"""Packaging that pyproject.toml cannot say: ontology/ ships inside the wheel as kg/ontology_files.

ontology/ stays at the top of the repository (it is data, edited and reviewed as such);
a non-editable install has no repository beside it, so the wheel carries a copy that
kg.ontology.ontology_dir() falls back to. Everything else is in pyproject.toml.
"""
from setuptools import find_namespace_packages, setup

setup(
    # namespace discovery lists data folders (kg/views/templates) as packages, as setuptools wants
    packages=find_namespace_packages(include=["kg", "kg.*"]) + ["kg.ontology_files", "kg.ontology_files.queries"],
    package_dir={"kg.ontology_files": "ontology"},
    # data beside the code (templates; rule files of the annotator) and the ontology's files;
    # tests/test_packaging.py fails when a file of kg/ or ontology/ would be left out
    package_data={"": ["*.html", "*.yaml", "*.yml", "*.json", "*.tsv", "*.csv", "*.txt"],
                  "kg.ontology_files": ["*.ttl", "*.md"], "kg.ontology_files.queries": ["*.rq"]},
)
