"""One home for words and numbers in the reader's language: numbers and dates (numbers.py), registry names
(names.py, prefectures.py)."""
