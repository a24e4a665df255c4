"""Stand-ins for what the real engine needs but cannot be built or reached here: the AWS
and Docker provider plugins and the Python language host."""
