# A cluster group is imported by [remote:]name.
terraform import rack_incus_cluster_group.fast local:fast
