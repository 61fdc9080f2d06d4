"""The guides app's forms, one module per feature, named as in views/."""
