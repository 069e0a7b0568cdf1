"""symbiograph: industrial symbiosis networks."""
