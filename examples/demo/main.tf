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

  pikvm {
    name     = "node1"
    url      = var.pikvm_url
    username = "admin"
    password = "admin"
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

# The PiKVM part: upload an "installer", insert it, power the machine on.
variable "pikvm_url" {
  description = "URL of the PiKVM (make demo starts a fake kvmd)."
  type        = string
}

variable "installer" {
  description = "Local file uploaded as the installer image."
  type        = string
}

resource "rack_pikvm_msd_image" "installer" {
  pikvm  = "node1"
  name   = "installer.iso"
  source = var.installer
}

resource "rack_pikvm_msd_drive" "cd" {
  pikvm = "node1"
  image = rack_pikvm_msd_image.installer.name
}

resource "rack_pikvm_power" "node1" {
  pikvm      = "node1"
  state      = "on"
  on_destroy = "off"
  depends_on = [rack_pikvm_msd_drive.cd]
}

output "node1" {
  value = {
    power     = rack_pikvm_power.node1.state
    power_led = rack_pikvm_power.node1.power_led
    drive     = rack_pikvm_msd_drive.cd.image
    sha256    = rack_pikvm_msd_image.installer.content_sha256
  }
}
