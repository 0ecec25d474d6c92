"""A training process for tests/test_resume.py: fit() on a tiny model and fixed random data.

    python train_driver.py CHECKPOINT_DIR OUTPUT.json CHECKPOINT_EVERY [STEP_DELAY_S]

Each optimiser step is slowed by STEP_DELAY_S (so a test can kill it midway; the delay changes no
number) and counted in OUTPUT.json.steps_seen.  Writes OUTPUT.json when training ends: fit()'s
summary, a checksum of the final weights and the loss on held-out data.
"""

import json
import sys
import time
from pathlib import Path

import torch
from transformers import GPTNeoXConfig, GPTNeoXForCausalLM

from ensemw2s import text, train

checkpoint_dir, output, checkpoint_every = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
torch.set_num_threads(1)

generator = torch.Generator().manual_seed(0)
sequences = torch.randint(2, 40, (48, 12), generator=generator).tolist()
pairs = [text.EncodedPair(seq, 4) for seq in sequences]  # tokens after the 4th are targets
held_out = text.collate_pairs([text.EncodedPair(seq, 4) for seq in torch.randint(2, 40, (8, 12), generator=generator).tolist()], 0)

torch.manual_seed(0)
config = GPTNeoXConfig(
    vocab_size=40,
    hidden_size=16,
    num_hidden_layers=1,
    num_attention_heads=2,
    intermediate_size=32,
    max_position_embeddings=32,
    pad_token_id=0,
    eos_token_id=1,
    bos_token_id=1,
)
model = GPTNeoXForCausalLM(config)
progress = output.with_suffix(".steps")


def make_batch(indices):
    time.sleep(delay)
    with progress.open("a") as handle:  # one line per step actually computed in this process
        handle.write("x\n")
    return text.collate_pairs([pairs[i] for i in indices], 0)


settings = train.TrainSettings(epochs=5, lr=5e-3, batch_size=8, seed=3, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every)
summary = train.fit(
    model, len(pairs), make_batch, loss_sum=train.lm_loss_sum, loss_count=train.lm_loss_count, settings=settings, fingerprint="driver", desc="driver"
)
with torch.no_grad():
    held_out_loss = (train.lm_loss_sum(model, held_out) / train.lm_loss_count(held_out)).item()
checksum = sum(float(value.double().abs().sum()) for value in model.state_dict().values())
output.write_text(json.dumps({**summary, "held_out_loss": held_out_loss, "weights_checksum": checksum}))
