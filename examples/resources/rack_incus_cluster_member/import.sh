# A cluster member is imported by [remote:]name.
terraform import rack_incus_cluster_member.node3 local:node3
