variable "ovn_ic" {
  type = object({
    ca_cert     = string
    client_cert = string
    client_key  = string
  })
  sensitive   = true
  description = "The CA, client certificate and client key (PEM) for the OVN interconnection database."
}

# The link to an OVN interconnection (OVN-IC) database, for remote peers.
# The whole config map is sensitive: it holds the client key.
resource "rack_incus_network_integration" "region2" {
  name        = "region2"
  type        = "ovn"
  description = "OVN-IC of the second region"

  config = {
    "ovn.northbound_connection" = "ssl:192.0.2.10:6645,ssl:192.0.2.11:6645"
    "ovn.ca_cert"               = var.ovn_ic.ca_cert
    "ovn.client_cert"           = var.ovn_ic.client_cert
    "ovn.client_key"            = var.ovn_ic.client_key
  }
}
