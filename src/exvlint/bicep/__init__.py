"""Bicep front end: parse ``.bicep`` / ``.bicepparam`` files and lower them to positioned ARM templates."""
