/** The site test clients capture on, and its pages' origin on the wire. */
export const SITE = "http://shop.test";
