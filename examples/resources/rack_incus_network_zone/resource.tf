# A DNS zone served by the Incus server's DNS server. A network names it in
# dns.zone.forward to get records for its instances.
resource "rack_incus_network_zone" "lab" {
  name        = "lab.example.net"
  description = "lab instances"

  config = {
    "dns.nameservers"   = "ns1.example.net"
    "peers.ns1.address" = "198.18.0.53"
    "peers.ns1.key"     = var.tsig_key
    "network.nat"       = "false"
  }
}

variable "tsig_key" {
  type      = string
  sensitive = true
}
