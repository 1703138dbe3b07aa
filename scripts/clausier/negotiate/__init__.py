"""`clausier negotiate`: a returned Word file read (reading.py) against what was sent (sent.py,
identity.py), each change mapped to the library and judged against the playbook."""
