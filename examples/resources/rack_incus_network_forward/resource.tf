resource "rack_incus_network" "lab" {
  name = "lab0"
  config = {
    "ipv4.address" = "198.18.10.1/24"
    "ipv4.nat"     = "false"
    "ipv6.address" = "none"
  }
}

# Traffic to 198.18.20.5 goes to the web server's ports; anything else
# to the default target.
resource "rack_incus_network_forward" "web" {
  network        = rack_incus_network.lab.name
  listen_address = "198.18.20.5"
  description    = "web front"
  config         = { target_address = "198.18.10.9" }
  ports = [
    { protocol = "tcp", listen_port = "80,443", target_address = "198.18.10.10", target_port = "8080,8443" },
    { protocol = "udp", listen_port = "5000-5010", target_address = "198.18.10.11" },
  ]
}
