# Insert the installer as a CD-ROM and connect it to the host.
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
