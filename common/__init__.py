"""The shared base every app builds on: domain errors, spreadsheets, pagination, the home-task registry
and the built-in schedule helpers.

It imports no app of the project (``make lint`` checks this with import-linter), so that anything
here can be used from ``people`` upwards without a cycle.
"""
