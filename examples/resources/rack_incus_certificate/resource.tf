variable "monitoring_certificate" {
  description = "PEM certificate of the monitoring host's client key."
  type        = string
}

variable "ci_certificate" {
  description = "PEM certificate of the CI runner's client key."
  type        = string
}

# The monitoring host may read /1.0/metrics, nothing else.
resource "rack_incus_certificate" "prometheus" {
  name        = "prometheus"
  type        = "metrics"
  certificate = var.monitoring_certificate
}

# The CI runner may use the "ci" project only.
resource "rack_incus_certificate" "ci" {
  name        = "ci-runner"
  description = "GitLab runner on build-1"
  certificate = var.ci_certificate
  restricted  = true
  projects    = ["ci"]
}

output "ci_fingerprint" {
  value = rack_incus_certificate.ci.fingerprint
}
