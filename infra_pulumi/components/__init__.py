"""One Pulumi component per part of the architecture."""
