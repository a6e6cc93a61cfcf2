resource "rack_incus_instance" "db" {
  name  = "db"
  image = "debian-12"
}

# A snapshot before an upgrade, which Incus deletes at the end of 2030.
resource "rack_incus_instance_snapshot" "before_upgrade" {
  instance   = rack_incus_instance.db.name
  name       = "before-upgrade"
  expires_at = "2030-12-31T23:59:59Z"
}
