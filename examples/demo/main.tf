# The demo that `make demo` runs against the mock host: three containers,
# one of them stopped, and a data source reading one back.
terraform {
  required_providers {
    rack = {
      source = "rackform/rack"
    }
  }
}

variable "incus_socket" {
  description = "Unix socket of the Incus daemon (make demo starts a mock one)."
  type        = string
}

variable "image" {
  description = "Image alias the instances are created from."
  type        = string
  default     = "rack-busybox"
}

provider "rack" {
  incus_remote {
    name    = "demo"
    address = "unix://${var.incus_socket}"
  }
}

resource "rack_incus_instance" "node" {
  for_each = toset(["web", "db", "cache"])

  name        = "demo-${each.key}"
  image       = var.image
  description = "demo ${each.key} server"
  running     = each.key != "cache"
  config = {
    "user.role" = each.key
  }
}

data "rack_incus_instance" "web" {
  name = rack_incus_instance.node["web"].name
}

output "instances" {
  value = { for k, v in rack_incus_instance.node : k => { id = v.id, status = v.status } }
}

output "web_fingerprint" {
  value = data.rack_incus_instance.web.image_fingerprint
}
