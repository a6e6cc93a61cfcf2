# Load balancers live on OVN networks only.
resource "rack_incus_network_load_balancer" "web" {
  network        = "ovn0"
  listen_address = "198.18.200.5"
  description    = "web pool"
  config         = { healthcheck = "true" }
  backends = [
    { name = "web1", target_address = "10.44.0.10", target_port = "8080" },
    { name = "web2", target_address = "10.44.0.11", target_port = "8080" },
  ]
  ports = [
    { protocol = "tcp", listen_port = "80", target_backend = ["web1", "web2"] },
  ]
}
