# Web servers: SSH from the admin network and HTTP(S) from anywhere in;
# out, only DNS and HTTPS, and everything else refused and logged.
resource "rack_incus_network_acl" "web" {
  name        = "web"
  description = "web servers"

  ingress = [
    { action = "allow", source = "198.51.100.0/24", protocol = "tcp", destination_port = "22", description = "admin SSH" },
    { action = "allow", protocol = "tcp", destination_port = "80,443" },
    { action = "allow", protocol = "icmp4", icmp_type = "8" },
  ]

  egress = [
    { action = "allow", protocol = "udp", destination_port = "53" },
    { action = "allow", protocol = "tcp", destination_port = "443" },
    { action = "reject", state = "logged" },
  ]
}

# Instances take it through their NIC's security.acls (on a managed bridge
# or OVN network).
resource "rack_incus_profile" "web" {
  name = "web"
  devices = [{
    name       = "eth0"
    type       = "nic"
    properties = { network = "incusbr0", "security.acls" = rack_incus_network_acl.web.name }
  }]
}
