# The rules of an existing ACL.
data "rack_incus_network_acl" "web" {
  name = "web"
}

output "web_ingress_rules" {
  value = length(data.rack_incus_network_acl.web.ingress)
}
