# A network integration belongs to the whole server: it is imported by [remote:]name.
terraform import rack_incus_network_integration.region2 local:region2
