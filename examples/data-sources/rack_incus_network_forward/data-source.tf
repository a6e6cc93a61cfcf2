data "rack_incus_network_forward" "web" {
  network        = "lab0"
  listen_address = "198.18.20.5"
}
