# A group of cluster members, and an instance placed on one of them.
resource "rack_incus_cluster_group" "fast" {
  name        = "fast"
  description = "Members with NVMe storage"
  members     = ["node1", "node2"]
}

resource "rack_incus_instance" "db" {
  name   = "db"
  image  = "images:debian/12"
  target = "@${rack_incus_cluster_group.fast.name}"
}
