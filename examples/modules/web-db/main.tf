# A reusable module: a web server and its database, two containers on one
# bridge, with their addresses as outputs. The provider comes from the caller
# (or, in tests/, from the test file).
terraform {
  required_providers {
    rack = {
      source = "rackform/rack"
    }
  }
}

variable "name" {
  description = "Prefix of the instance names: <name>-web and <name>-db."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,54}[a-z0-9]$", var.name))
    error_message = "name must be 2-56 lowercase letters, digits and dashes, start with a letter and not end with a dash."
  }
}

variable "image" {
  description = "Image both instances are created from, e.g. images:debian/12."
  type        = string
}

variable "network" {
  description = "Managed bridge the instances' eth0 is attached to."
  type        = string
  default     = "incusbr0"
}

locals {
  roles = {
    web = "${var.name}-web"
    db  = "${var.name}-db"
  }
}

resource "rack_incus_instance" "this" {
  for_each = local.roles

  name  = each.value
  image = var.image
  config = {
    "user.role" = each.key
  }

  devices = [{
    name       = "eth0"
    type       = "nic"
    properties = { nictype = "bridged", parent = var.network }
  }]

  # The outputs below are known once each instance has an address.
  wait_for = [{ type = "ipv4", nic = "eth0" }]
}

output "web_address" {
  description = "IPv4 address of the web server."
  value       = rack_incus_instance.this["web"].ipv4_address
}

output "db_address" {
  description = "IPv4 address of the database."
  value       = rack_incus_instance.this["db"].ipv4_address
}
