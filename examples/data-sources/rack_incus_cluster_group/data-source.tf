data "rack_incus_cluster_group" "default" {
  name = "default"
}

output "default_group_members" {
  value = data.rack_incus_cluster_group.default.members
}
