"""What benchmarks/ and training/ both need to evaluate the reader: the OpenALPR-format datasets and their
ground truth (`dataset`), the one train/validation split (`splits`) and plate text distance (`text`).

benchmarks/ and training/ import this package and never each other (.importlinter, contract "tools").
It runs from the repository root like they do (`python -m benchmarks.recognition ...`); it is not part
of the shipped `plateguard` package.
"""
