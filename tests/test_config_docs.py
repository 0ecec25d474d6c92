"""config/README.md documents every key of config/schema.yaml."""

import yaml

from conftest import REPO


def schema_keys(schema: dict) -> list[str]:
    """Every leaf key of the schema as a dotted path; entries of a mapping (datasets, tokenizers,
    models) are ``<name>``."""
    definitions = schema["definitions"]

    def resolve(node):
        return definitions[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node

    def leaves(node, prefix):
        for key, value in node.get("properties", {}).items():
            value = resolve(value)
            entries = value.get("additionalProperties")
            if isinstance(entries, dict):
                yield from leaves(resolve(entries), f"{prefix}{key}.<name>.")
            elif "properties" in value:
                yield from leaves(value, f"{prefix}{key}.")
            else:
                yield prefix + key

    return list(leaves(schema, ""))


def test_config_readme_documents_every_schema_key():
    schema = yaml.safe_load((REPO / "config/schema.yaml").read_text())
    readme = (REPO / "config/README.md").read_text()
    keys = schema_keys(schema)
    assert len(keys) > 80 and "datasets.<name>.n_val" in keys and "classification.figure_round" in keys
    missing = [key for key in keys if f"| `{key}` |" not in readme]
    assert not missing, f"config/README.md has no table row for {missing}"
