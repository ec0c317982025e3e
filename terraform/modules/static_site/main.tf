locals {
  s3_origin_id  = "site-bucket"
  api_origin_id = "api-alb"
  api_enabled   = var.api_origin_domain_name != null

  # AWS managed policies (stable, documented ids; no lookup needed offline).
  cache_policy_caching_optimized            = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  cache_policy_caching_disabled             = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  origin_request_all_viewer_except_host_hdr = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
}

# --- Bucket ------------------------------------------------------------------------

resource "aws_s3_bucket" "site" {
  #checkov:skip=CKV_AWS_144:Built console assets are reproducible from git; cross-region replication adds nothing.
  #checkov:skip=CKV_AWS_145:SSE-S3 lets CloudFront (OAC) read the public console assets without a KMS grant; they are not confidential.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object events of the console bucket.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id

  rule {
    id     = "expire-old-builds"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.site]
}

resource "aws_s3_bucket_logging" "site" {
  bucket        = aws_s3_bucket.site.id
  target_bucket = var.log_bucket_name
  target_prefix = "s3/${var.bucket_name}/"
}

resource "aws_s3_bucket_policy" "site" {
  bucket = aws_s3_bucket.site.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "CloudFrontOriginAccessControlRead"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = "${aws_s3_bucket.site.arn}/*"
        Condition = { StringEquals = { "AWS:SourceArn" = aws_cloudfront_distribution.this.arn } }
      },
    ]
  })

  depends_on = [aws_s3_bucket_public_access_block.site]
}

# --- CloudFront -----------------------------------------------------------------------

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = var.name
  description                       = "CloudFront reads ${var.bucket_name} with SigV4."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# SPA fallback at the edge: a deep link such as /users/42 has no file extension
# and is served /index.html. Only the bucket behaviour runs this, so API
# responses (/v1/*) are never rewritten.
resource "aws_cloudfront_function" "spa_fallback" {
  name    = "${var.name}-spa-fallback"
  runtime = "cloudfront-js-2.0"
  comment = "Serve /index.html for extension-less console routes."
  publish = true
  code    = <<-EOT
    function handler(event) {
      var request = event.request;
      var last = request.uri.split('/').pop();
      if (request.uri === '/' || last.indexOf('.') === -1) {
        request.uri = '/index.html';
      }
      return request;
    }
  EOT
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "Security headers for the Shoptrail console."

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }

    content_type_options {
      override = true
    }

    frame_options {
      frame_option = "DENY"
      override     = true
    }

    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }

    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }

    content_security_policy {
      content_security_policy = var.content_security_policy
      override                = true
    }
  }
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:The web ACL is an input (web_acl_arn); the environments attach the CLOUDFRONT-scope ACL of terraform/modules/cloudfront_waf.
  #checkov:skip=CKV2_AWS_47:See CKV_AWS_68: the attached CLOUDFRONT-scope ACL runs KnownBadInputs (Log4j).
  #checkov:skip=CKV_AWS_310:A single S3 origin; origin failover would need a replicated bucket in a second region.
  #checkov:skip=CKV_AWS_374:The console is served worldwide; no geo restriction by design.
  enabled             = true
  comment             = "Shoptrail console (${var.name})"
  aliases             = var.aliases
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  web_acl_id          = var.web_acl_arn

  origin {
    origin_id                = local.s3_origin_id
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  dynamic "origin" {
    for_each = local.api_enabled ? [var.api_origin_domain_name] : []

    content {
      origin_id   = local.api_origin_id
      domain_name = origin.value

      custom_origin_config {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "https-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }

      # The ALB forwards only requests carrying this secret (origin verify).
      dynamic "custom_header" {
        for_each = var.api_origin_custom_header_name == null ? [] : [var.api_origin_custom_header_name]

        content {
          name  = custom_header.value
          value = var.api_origin_custom_header_value
        }
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.s3_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.cache_policy_caching_optimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_fallback.arn
    }
  }

  dynamic "ordered_cache_behavior" {
    # The API's paths: the JSON API and the browser tracker that shops' pages load.
    for_each = local.api_enabled ? ["/v1/*", "/sdk.js"] : []

    content {
      path_pattern           = ordered_cache_behavior.value
      target_origin_id       = local.api_origin_id
      viewer_protocol_policy = "https-only"
      allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods         = ["GET", "HEAD"]
      compress               = true
      cache_policy_id        = local.cache_policy_caching_disabled
      # Every viewer header except Host (the ALB's certificate is for the API
      # domain) plus CloudFront's own headers, CloudFront-Viewer-Country (the
      # analytics country dimension) and CloudFront-Viewer-Address among them.
      origin_request_policy_id   = local.origin_request_all_viewer_except_host_hdr
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    }
  }

  # Error-page fallback for SPA routes. CloudFront applies these to every
  # origin, so they are only added when no API origin shares the distribution
  # (an API 404 must stay a JSON 404); the edge function covers routes then.
  dynamic "custom_error_response" {
    for_each = local.api_enabled ? [] : [403, 404]

    content {
      error_code            = custom_error_response.value
      response_code         = 200
      response_page_path    = "/index.html"
      error_caching_min_ttl = 10
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.acm_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  logging_config {
    bucket          = var.log_bucket_domain_name
    prefix          = "cloudfront/${var.name}/"
    include_cookies = false
  }

  tags = var.tags
}

resource "aws_route53_record" "alias" {
  for_each = var.route53_zone_id == null ? toset([]) : toset(var.aliases)

  zone_id = var.route53_zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}
