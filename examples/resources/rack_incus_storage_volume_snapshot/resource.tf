resource "rack_incus_storage_volume" "data" {
  pool = "default"
  name = "data"
}

# A snapshot kept until the end of 2030.
resource "rack_incus_storage_volume_snapshot" "before_upgrade" {
  pool        = rack_incus_storage_volume.data.pool
  volume      = rack_incus_storage_volume.data.name
  name        = "before-upgrade"
  description = "taken before the 2.0 upgrade"
  expires_at  = "2030-12-31T23:59:59Z"
}
