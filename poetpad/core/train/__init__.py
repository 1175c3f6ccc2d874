"""Training PoetLM models, in parts that import only what they need.

- config: the training options (declared once), TrainConfig, the recipe and the progress events; torch-free
- data: token streams: the held-out split, shuffled batches, the held-out loss
- loop: the Trainer, one run of training steps in labelled phases
- checkpoint: checkpoint files (packing, reading), their paths, interrupted runs, the run lock
- distributed: torchrun: the process group and what the processes agree on
- report: what a finished run learnt: figures, verdict, advice, samples
- job: TrainJob and train_model, corpus → vocab → model → Trainer → model file, which both faces call

The device facts (device, precision, threads) are poetpad.core.device's, shared with generation.
Nothing is imported here, so `poetpad.core.train.config` loads neither torch nor the loop.
"""
