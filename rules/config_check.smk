# Config validation with one line per error naming the config key (datasets.quartz.n_test), before
# the Snakefile's validate() sets the schema's defaults.  (jsonschema's own message buries the key
# under a dump of the schema.)
import os

from snakemake.exceptions import WorkflowError

def config_errors(config, schema_path):
    """Every schema violation, one line each, naming the config key (datasets.quartz.n_test)."""
    import re

    import jsonschema
    import yaml

    with open(schema_path) as handle:
        schema = yaml.safe_load(handle)
    lines = []
    for error in jsonschema.validators.validator_for(schema)(schema).iter_errors(config):
        key = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            missing = re.match(r"'([^']+)' is a required property", error.message)
            key = ".".join(filter(None, [key, missing.group(1) if missing else ""]))
            lines.append(f"config key {key}: required, but missing")
        elif error.validator == "additionalProperties":
            for name in re.findall(r"'([^']+)'", error.message.split("(", 1)[-1]):
                known = ", ".join(sorted(error.schema.get("properties", {})))
                lines.append(f"config key {'.'.join(filter(None, [key, name]))}: unknown key" + (f" (known: {known})" if known else ""))
        elif error.validator == "oneOf" and key.startswith("models."):
            lines.append(
                f"config key {key}: needs exactly one of `hub` (a hub model), all of tokenizer, family, hidden_size, num_layers, num_heads (a tiny model), or `body` (another entry's weights)"
            )
        elif error.validator == "oneOf" and key.endswith(".fields"):
            lines.append(f"config key {key}: needs exactly one of answer_index (the correct choice's index) or answer_label (its label)")
        else:
            lines.append(f"config key {key or '(top level)'}: {error.message}")
    return sorted(set(lines))


_errors = config_errors(config, os.path.join(workflow.basedir, "config", "schema.yaml"))
if _errors:
    raise WorkflowError("invalid config (config/schema.yaml documents every key):\n  " + "\n  ".join(_errors))
