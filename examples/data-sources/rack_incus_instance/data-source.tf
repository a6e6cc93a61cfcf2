data "rack_incus_instance" "db" {
  name    = "db"
  project = "default"
}

output "db_status" {
  value = data.rack_incus_instance.db.status
}
