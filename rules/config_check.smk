# Config validation with one line per error naming the config key (datasets.quartz.n_test), before
# the Snakefile's validate() sets the schema's defaults.  (jsonschema's own message buries the key
# under a dump of the schema.)
import os

from snakemake.exceptions import WorkflowError

# Keys renamed for one release, {old dotted key: new dotted key}: an old key is moved to its new
# name before validation, with a warning naming the new key.  What the two tracks both have, they
# name alike: "how the experts' outputs are combined" is `combine` (generation.combine: prob |
# logit, classification.combine: soft | hard); each track's learning-rate schedule is its block's
# `lr_schedule` (the shared `training` block keeps only what both tracks use).  The bootstrap's
# resamples serve every gain's interval, not only the ablations': `eval.bootstrap_resamples`.
RENAMED_KEYS = {
    "classification.vote": "classification.combine",
    "training.lr_schedule": "generation.lr_schedule",
    "ablations.bootstrap_resamples": "eval.bootstrap_resamples",
}


def apply_renamed_keys(config, renamed):
    """Move every old key of ``renamed`` that ``config`` sets to its new key; the warnings, one per
    key.  The shipped config files set only new keys, so an old key comes from the user's own file,
    merged over them: its value wins over the new key's."""
    warnings = []
    for old, new in renamed.items():
        *parents, leaf = old.split(".")
        block = config
        for part in parents:
            block = block.get(part) if isinstance(block, dict) else None
        if not isinstance(block, dict) or leaf not in block:
            continue
        value = block.pop(leaf)
        *parents, new_leaf = new.split(".")
        target = config
        for part in parents:
            target = target.setdefault(part, {})
        replaced = target.get(new_leaf)
        target[new_leaf] = value
        message = f"config key {old} is renamed {new} (the old name is accepted for one release): write {new}: {value}"
        if replaced is not None and replaced != value:
            message += f" (its value {value!r} replaces {new}: {replaced!r} from another config file)"
        warnings.append(message)
    return warnings


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


for _warning in apply_renamed_keys(config, RENAMED_KEYS):
    logger.warning(_warning)
_errors = config_errors(config, os.path.join(workflow.basedir, "config", "schema.yaml"))
if _errors:
    raise WorkflowError("invalid config (config/schema.yaml documents every key):\n  " + "\n  ".join(_errors))
