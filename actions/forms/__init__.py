"""The actions app's forms, one module per feature, named as in views/."""
