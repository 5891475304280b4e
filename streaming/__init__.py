"""The aiohttp server: pages in kk/ru/en, JSON API, VOD, live channels, IPTV and guide."""

from streaming.app import create_app

__all__ = ["create_app"]
