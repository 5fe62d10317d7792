"""The web client in AWS: its built files in a private S3 bucket behind CloudFront (origin access control, HTTPS
only, the security headers and strict CSP of `declaration.web`), with `config.json` deployed beside them so the
client learns the API, WebSocket and card tokenization addresses at deploy time."""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import Annotations, Duration, IStableStringProducer, Lazy, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from declaration.web import CONFIG_FILE, INDEX, PAGE_PREFIXES, WEB_DIST, security_headers
from stacks.conventions import ROOT

# Paths that open the single page are answered with index.html, at the edge (a CloudFront Function).
PAGES_FUNCTION = """function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var prefixes = %s;
  for (var i = 0; i < prefixes.length; i++) {
    if (uri.indexOf(prefixes[i]) === 0) { request.uri = '/%s'; break; }
  }
  return request;
}"""


class WebClient(Construct):
    """`origin` is the client's HTTPS origin (the only origin the API's CORS allows)."""

    def __init__(self, scope: Construct, construct_id: str, *, access_logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        # Origins the page may call besides its own (API, WebSocket, card tokenization): added by the stack once
        # those exist, read when the template is written.
        self.connect: list[str] = []
        self.bucket = s3.Bucket(
            self,
            "Files",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="web/",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.logs = s3.Bucket(
            self,
            "EdgeLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,  # CloudFront standard logs write ACLs
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="web-edge/",
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        headers = security_headers()
        csp = Lazy.string(_Produce(lambda: security_headers(tuple(self.connect))["Content-Security-Policy"]))
        policy = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            comment="Strict CSP and security headers of the web client (declaration/web.py)",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=csp, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730), include_subdomains=True, preload=True, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(
                custom_headers=[
                    cloudfront.ResponseCustomHeader(header=name, value=headers[name], override=True)
                    for name in ("Permissions-Policy", "Cross-Origin-Opener-Policy")
                ]
            ),
        )
        prefixes = "[" + ", ".join(f"'{p}'" for p in PAGE_PREFIXES) + "]"
        pages = cloudfront.Function(
            self,
            "Pages",
            comment="Paths of the single page open index.html",
            runtime=cloudfront.FunctionRuntime.JS_2_0,
            code=cloudfront.FunctionCode.from_inline(PAGES_FUNCTION % (prefixes, INDEX)),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Insurance platform web client",
            default_root_object=INDEX,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=policy,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=pages, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
                compress=True,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            enable_logging=True,
            log_bucket=self.logs,
            log_file_prefix="cloudfront/",
        )
        self.origin = f"https://{self.distribution.distribution_domain_name}"

    def deploy(self, config: dict[str, str]) -> s3deploy.BucketDeployment:
        """The built files (`make web`) and `config.json`, invalidated at the edge on every deploy."""
        sources = [s3deploy.Source.json_data(CONFIG_FILE, config)]
        dist = ROOT / WEB_DIST
        if (dist / INDEX).exists():
            sources.insert(0, s3deploy.Source.asset(str(dist)))
        else:
            Annotations.of(self).add_warning_v2("web:not-built", f"{WEB_DIST} is missing: run `make web` first")
        return s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=sources,
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            memory_limit=256,
        )


@jsii.implements(IStableStringProducer)
class _Produce:
    def __init__(self, produce: Any) -> None:
        self._produce = produce

    def produce(self) -> str:
        return str(self._produce())
