# Whether an existing peering is up on both sides.
data "rack_incus_network_peer" "web_to_db" {
  network = "ovn-web"
  name    = "to-db"
}

output "web_to_db_status" {
  value = data.rack_incus_network_peer.web_to_db.status
}
