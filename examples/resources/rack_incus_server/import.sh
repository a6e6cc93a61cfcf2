# The server's configuration is imported by [remote:] (the whole server) or
# [remote:]member (a cluster member's own keys); every key set there is then managed.
terraform import rack_incus_server.cluster local:
terraform import rack_incus_server.node2 local:node2
