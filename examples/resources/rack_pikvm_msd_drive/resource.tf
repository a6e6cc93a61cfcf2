# Upload the installer to the PiKVM's storage (see rack_pikvm_msd_image)...
resource "rack_pikvm_msd_image" "debian" {
  pikvm  = "node1"
  name   = "debian-12.8.0-amd64-netinst.iso"
  source = "${path.module}/isos/debian-12.8.0-amd64-netinst.iso"
}

# ...then insert it as a CD-ROM and connect it to the host.
resource "rack_pikvm_msd_drive" "node1" {
  pikvm = "node1"
  image = rack_pikvm_msd_image.debian.name
  cdrom = true

  # When the image is replaced (new file content), the drive is emptied on
  # the way: set it up again in the same apply.
  lifecycle {
    replace_triggered_by = [rack_pikvm_msd_image.debian]
  }
}
