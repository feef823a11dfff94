"""What the API answers to OPTIONS: the endpoint's name, description and media types, no fields.

DRF's default (SimpleMetadata) also lists each writable field, by building the view's serializer
outside the request it was written for: a view that picks its serializer per method
(input and output serializers) answered OPTIONS with a server error. The fields, with their
types and rules, are in the OpenAPI schema (/api/schema/), which is the one description kept
right by tests.
"""

from typing import TYPE_CHECKING

from rest_framework.metadata import BaseMetadata

if TYPE_CHECKING:  # rest_framework.views imports this module (its default metadata class) as it loads
    from rest_framework.request import Request
    from rest_framework.views import APIView


class EndpointMetadata(BaseMetadata):
    def determine_metadata(self, request: "Request", view: "APIView") -> dict[str, object]:
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": "/api/schema/",
        }
