"""The web client in AWS: private bucket reached only through CloudFront's origin access control, HTTPS only,
the strict CSP and security headers of `declaration.web`, pages of the single page answered at the edge,
config.json deployed beside the files, and CORS on the API for exactly the distribution's origin."""

from __future__ import annotations

import json

import pytest

from stacks.conventions import WEB_ORIGIN_ENV

pytestmark = [pytest.mark.xdist_group("infra"), pytest.mark.infra]


def _of_type(synthesized, kind: str) -> list[dict]:
    return [r["Properties"] for r in synthesized.resources.values() if r["Type"] == kind]


def test_the_files_bucket_is_private_and_read_by_cloudfront_only(synthesized):
    web = synthesized.stack.web
    bucket = synthesized.properties(web.bucket)
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "web/"
    distribution = synthesized.properties(web.distribution)["DistributionConfig"]
    [origin] = distribution["Origins"]
    assert "OriginAccessControlId" in origin and origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    assert (
        _of_type(synthesized, "AWS::CloudFront::OriginAccessControl")[0]["OriginAccessControlConfig"]["SigningBehavior"]
        == "always"
    )
    behavior = distribution["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert distribution["DefaultRootObject"] == "index.html"
    assert distribution["Logging"]["Bucket"]


def test_every_answer_carries_the_strict_csp_and_security_headers(synthesized):
    [policy] = _of_type(synthesized, "AWS::CloudFront::ResponseHeadersPolicy")
    security = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = json.dumps(security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    # connect-src names the API's and the WebSocket API's own origins (resolved at deploy), nothing wider
    stack = synthesized.stack
    assert synthesized.logical_id(stack.rest_api.api) in csp
    for api in stack.websockets.apis.values():
        assert synthesized.logical_id(api) in csp
    assert "*" not in csp
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True


def test_page_paths_open_the_single_page_at_the_edge(synthesized):
    [function] = _of_type(synthesized, "AWS::CloudFront::Function")
    code = function["FunctionCode"]
    assert "'/t/'" in code and "/index.html" in code


def test_config_json_is_deployed_beside_the_files_with_the_api_and_websocket_urls(synthesized):
    [deployment] = [r for r in synthesized.resources.values() if r["Type"] == "Custom::CDKBucketDeployment"]
    properties = json.dumps(deployment["Properties"])
    assert "config.json" in properties or "SourceMarkersConfig" in properties
    assert deployment["Properties"]["DistributionPaths"] == ["/*"]
    # config.json's values, resolved at deploy: the REST API's URL, and the WebSocket API's wss:// URL with its stage
    urls = [
        marker["Fn::Join"][1]
        for markers in deployment["Properties"]["SourceMarkers"]
        for marker in markers.values()
        if "Fn::Join" in marker
    ]
    stack = synthesized.stack
    api = next(parts for parts in urls if parts[0] == '"https://')
    assert api[1] == {"Ref": synthesized.logical_id(stack.rest_api.api)}
    stage = next(iter(stack.websockets.stages))  # the first WebSocket API is the one the client is given
    websocket = next(parts for parts in urls if parts[0] == '"wss://')
    assert websocket[1] == {"Ref": synthesized.logical_id(stack.websockets.apis[stage])}
    assert websocket[-1] == f'/{stage}"'


def test_cors_allows_exactly_the_distributions_origin(synthesized):
    stack = synthesized.stack
    distribution_id = synthesized.logical_id(stack.web.distribution)
    for function in stack.functions.by_name.values():
        origin = synthesized.properties(function)["Environment"]["Variables"][WEB_ORIGIN_ENV]
        assert distribution_id in json.dumps(origin)
    preflights = [
        m
        for m in _of_type(synthesized, "AWS::ApiGateway::Method")
        if m["HttpMethod"] == "OPTIONS" and m["Integration"]["Type"] == "MOCK"
    ]
    assert preflights
    allowed = preflights[0]["Integration"]["IntegrationResponses"][0]["ResponseParameters"][
        "method.response.header.Access-Control-Allow-Origin"
    ]
    assert distribution_id in json.dumps(allowed) and "*" not in json.dumps(allowed)
