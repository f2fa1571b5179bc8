"""Published studies the model reproduces (issue 11): their figures, the presets that set their
assumptions, the largest training run (``frontier``) and the 2023–2025 back-test."""
