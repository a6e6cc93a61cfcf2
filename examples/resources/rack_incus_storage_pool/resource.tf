# A directory-backed pool. Incus fills in `source` itself: it is not drift.
resource "rack_incus_storage_pool" "fast" {
  name        = "fast"
  driver      = "dir"
  description = "pool on the NVMe disk"

  config = {
    "volume.size" = "10GiB"
  }
}

# On a cluster, each member's own config (here its block device) is given
# per member; the pool is defined on each, then created.
resource "rack_incus_storage_pool" "shared" {
  name   = "shared"
  driver = "zfs"

  member_config = {
    node1 = { source = "/dev/sdb" }
    node2 = { source = "/dev/sdc" }
  }
}
