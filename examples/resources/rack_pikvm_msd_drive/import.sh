# The drive is imported by the name of its PiKVM.
terraform import rack_pikvm_msd_drive.node1 node1
