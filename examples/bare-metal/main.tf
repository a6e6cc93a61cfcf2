# Bare-metal install: for each machine, upload the installer ISO to its
# PiKVM, insert it as a CD-ROM, and power the machine on. Re-running after
# the install changes nothing; setting `installing = false` ejects the ISO.
terraform {
  required_providers {
    rack = {
      source = "rackform/rack"
    }
  }
}

variable "machines" {
  description = "PiKVM address of each machine."
  type        = map(string)
  default = {
    node1 = "https://pikvm-node1.lan"
    node2 = "https://pikvm-node2.lan"
  }
}

variable "pikvm_password" {
  type      = string
  sensitive = true
}

variable "iso" {
  description = "Local path of the installer ISO."
  type        = string
}

variable "installing" {
  description = "Whether the installer stays in the drive."
  type        = bool
  default     = true
}

provider "rack" {
  dynamic "pikvm" {
    for_each = var.machines
    content {
      name     = pikvm.key
      url      = pikvm.value
      username = "admin"
      password = var.pikvm_password
      insecure = true # kvmd's default certificate is self-signed; prefer ca_certificate
    }
  }
}

resource "rack_pikvm_msd_image" "installer" {
  for_each = var.machines
  pikvm    = each.key
  name     = basename(var.iso)
  source   = var.iso
}

resource "rack_pikvm_msd_drive" "cd" {
  for_each = var.machines
  pikvm    = each.key
  image    = var.installing ? rack_pikvm_msd_image.installer[each.key].name : null
  cdrom    = true

  # A new ISO replaces the image (kvmd disconnects the drive to remove the
  # old one): insert and connect the new one in the same apply.
  lifecycle {
    replace_triggered_by = [rack_pikvm_msd_image.installer[each.key]]
  }
}

resource "rack_pikvm_power" "machine" {
  for_each = var.machines
  pikvm    = each.key
  state    = "on"

  # Power on only once the installer is in the drive.
  depends_on = [rack_pikvm_msd_drive.cd]
}
