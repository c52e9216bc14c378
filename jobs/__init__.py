"""Scheduled crawl jobs: the scheduler process and its housekeeping."""
