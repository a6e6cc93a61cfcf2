# Two OVN networks peered with each other: each side has a peer to the
# other, and both show status "Created" once the second exists.
resource "rack_incus_network_peer" "web_to_db" {
  network        = "ovn-web"
  name           = "to-db"
  description    = "web reaches the databases"
  target_network = "ovn-db"
}

resource "rack_incus_network_peer" "db_to_web" {
  network        = "ovn-db"
  name           = "to-web"
  target_network = "ovn-web"
}

# A remote peer: the networks of another deployment, through an integration.
resource "rack_incus_network_peer" "web_to_region2" {
  network            = "ovn-web"
  name               = "to-region2"
  type               = "remote"
  target_integration = "region2"
}
