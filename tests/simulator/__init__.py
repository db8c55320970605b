"""Tests of the VBR simulator (drflow.simulator)."""
