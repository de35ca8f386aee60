// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {RevenuePool} from "../../src/RevenuePool.sol";

/// @dev A receipt holder that tries to claim again while being paid.
contract ReentrantClaimer {
    RevenuePool public immutable pool;
    uint256 public assetId;
    bool public reentered;
    bytes public reentryError;

    constructor(RevenuePool pool_) {
        pool = pool_;
    }

    function claim(uint256 assetId_) external returns (uint256) {
        assetId = assetId_;
        return pool.claim(assetId_, address(0));
    }

    receive() external payable {
        if (reentered) return;
        reentered = true;
        try pool.claim(assetId, address(0)) {}
        catch (bytes memory err) {
            reentryError = err;
        }
    }
}
