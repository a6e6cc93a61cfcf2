data "rack_incus_network_load_balancer" "web" {
  network        = "ovn0"
  listen_address = "198.18.200.5"
}
